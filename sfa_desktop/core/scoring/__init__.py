"""Lead scoring: the rules a company sets and the scores they give."""
