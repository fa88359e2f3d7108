"""The synthetic demo study: its YAML data (llm-chatbots-mental-health/) and the commands that load it
(`load_demo_study`, `setup_demo`); and study set-up files in the same format (seeds/setup/: export, validate, import,
clone, and their pages). The loader and the import go through every app's services, so they sit at the top."""
