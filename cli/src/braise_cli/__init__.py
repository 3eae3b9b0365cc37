"""The operator's tool for Braise: the local stack and, later, the firm's day-to-day jobs."""
