"""Exporters: siblings fed one :class:`~audio_pipeline.model.Timeline`."""
