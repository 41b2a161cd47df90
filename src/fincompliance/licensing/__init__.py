"""The licence engine: knowledge (data in licenses/), normalising what packages declare,
detecting licences in files, conclusions, compatibility and obligations."""
