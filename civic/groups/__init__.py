"""Groups their members run: elections and recall of organisers (issue 15)."""
