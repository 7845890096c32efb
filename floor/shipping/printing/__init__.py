"""Label printers on raw TCP 9100: status (~HS) parsing (model) and the job sender (service)."""
