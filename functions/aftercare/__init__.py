"""The next-day care message: «Как вы себя чувствуете после …?» after chosen services, and the urgent case."""
