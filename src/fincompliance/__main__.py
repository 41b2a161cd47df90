from fincompliance.cli import main

main()
