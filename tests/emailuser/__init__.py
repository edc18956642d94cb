"""A custom user model with the e-mail as ``USERNAME_FIELD`` and no ``username``."""
