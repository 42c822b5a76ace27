"""Provider performance and open book: KPIs and their reported values, finance figures per
financial year, and the annual standards reports a contract's terms require."""
