"""Database backends of the project: Django's, with what the hot path needs changed."""
