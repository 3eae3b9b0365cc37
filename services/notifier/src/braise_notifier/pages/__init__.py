"""Pages for people: a consultant's preferences and network, the firm's view for staff.

Each page opens from a signed link (`tokens.LinkSigner`); the link sets a short session
cookie (`session.py`) so the forms, plain HTML POSTs with a CSRF token, work without it.
"""
