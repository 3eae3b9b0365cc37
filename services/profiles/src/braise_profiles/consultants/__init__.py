"""Consultants: register, read, list, change, erase and export them."""
