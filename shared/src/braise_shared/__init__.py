"""Code every Braise service imports: settings, logging, events and the stream client."""
