"""Territories: the tree, assignment rules and the assignment run that applies them."""
