"""Groups run by their members: joining, published rules, motions (issue 15)."""
