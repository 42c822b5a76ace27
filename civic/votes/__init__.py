"""Public votes before outsourcing a service or disposing of a public asset."""
