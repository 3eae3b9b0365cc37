"""CSV import: a history of interactions, valid rows in, each bad row reported."""
