"""`python -m sandbox --port 8081 [--limits on|lenient|off]`: the sandbox in its own process."""

from sandbox.server import main

raise SystemExit(main())
