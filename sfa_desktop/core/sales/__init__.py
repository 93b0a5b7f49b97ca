"""Sales history: orders and order lines as the company's systems send them, and their summaries."""
