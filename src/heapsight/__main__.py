from heapsight.cli.main import main

raise SystemExit(main())
