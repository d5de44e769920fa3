"""Messages to customers (G3–G6): templates, campaigns and their delivery, automations, the
quota of the store's plan, the effect of a campaign, and the promotional poster."""
