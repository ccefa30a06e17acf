"""Pages of the needs app, one module per part: projects (/projects/), needs (/needs/),
dispatch (/dispatch/), resources and bounties (/resources/)."""
