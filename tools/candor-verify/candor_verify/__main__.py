from candor_verify.cli import main

raise SystemExit(main())
