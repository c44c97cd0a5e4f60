from candor_witness.cli import main

raise SystemExit(main())
