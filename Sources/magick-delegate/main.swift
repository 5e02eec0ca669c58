print("stylize: pending")
