"""Local tooling: the cordial-destination command, the Cordial sandbox and the local AWS stack."""
