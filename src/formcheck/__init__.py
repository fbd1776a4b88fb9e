"""formcheck: honest numbers on a runner's strength and plyometric work, from one camera."""

__version__ = "0.1.0"
