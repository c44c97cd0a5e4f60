"""Testing tools for adapter authors and for Candor's own tests: real servers on loopback
(`servers`), the fault catalogue as WSGI (`faults`), pytest fixtures (`plugin`) and the
conformance kit every adapter must pass (`conformance`). See docs/writing-an-adapter.md."""
