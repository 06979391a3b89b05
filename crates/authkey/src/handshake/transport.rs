//! TCP transports (spec §10); see the submodules.
