"""Who a WorkOS user is here: the adapter, provisioning of the ORM mirror, the e-mail rule."""
