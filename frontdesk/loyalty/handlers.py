"""Event handlers of loyalty (registered by importing this module in
``LoyaltyConfig.ready()``); filled in once money's events exist."""
