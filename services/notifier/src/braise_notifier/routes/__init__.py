"""The notifier's HTTP routes besides the pages: digest links, and staff's admin routes."""
