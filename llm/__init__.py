"""Optional LLM answers (LLM_PROVIDER=openai|ollama): provider factory, prompts, the LangChain chain, validation.

Nothing here is imported in the default offline mode.
"""
