"""The graph's HTTP routes, one router per concern; `api.create_app` includes them."""
