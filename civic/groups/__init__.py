"""Groups run by their members: joining, published rules, motions, elections and recall of
organisers (issue 15)."""
