"""Call sheets: the day's calls and visits, what to know for each, and the route between them."""
