"""The "Articles and bulletins" page: bulletins, fact sheets and articles from the publications package."""
