"""Customer retention: defections (a customer lost or declining, why) and the figures the report shows."""
