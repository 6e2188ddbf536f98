"""What the product writes for people to open: CSV files that are safe in their spreadsheet."""
