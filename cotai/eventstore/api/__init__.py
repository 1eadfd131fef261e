"""The audit trail API: a company's audit events for its administrators, every company's for staff."""
