"""Model submission pages: a lab submits a model and follows it; the operator decides."""
