"""The territory report: queries, sections, profitability and the view model the window and PDF draw."""
