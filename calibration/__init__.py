"""Calibration and validation: the real-world patterns the model is held against, the fit of
its least-known uptake parameters, and the validation report (``zonesim calibrate``,
``zonesim validate-model``)."""
