"""System checks and ``authkit_doctor``: misconfiguration found before a sign-in fails."""
