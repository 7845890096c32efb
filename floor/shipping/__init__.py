"""Shipping: carriers and rate cards as data, quote and choice, waybill numbers, labels, printing,
tracking. Pure parts: model, rates, s10, tracking, pack, signing; I/O: store, service, carriers/,
printing/."""
