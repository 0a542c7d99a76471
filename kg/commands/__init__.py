"""Subcommands of ``kg`` that live in their own modules (see kg.cli.LAZY_COMMANDS)."""
