"""Rule detectors of the officer stage, one per module (see `detectors.base.OfficerRule`)."""
