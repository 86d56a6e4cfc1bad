"""Pages of 一网通办."""
