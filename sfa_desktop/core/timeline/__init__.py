"""A customer's whole story: activities, opportunities, orders and field changes, newest first."""
