"""``python -m notelab`` runs the command line."""

from notelab.cli.main import main

if __name__ == "__main__":
    main()
