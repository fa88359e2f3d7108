"""The synthetic demo study: its YAML data (llm-chatbots-mental-health/) and the commands that load it
(`load_demo_study`, `setup_demo`). The loader goes through every app's services, so it sits at the top."""
