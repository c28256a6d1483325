module netnotes

go 1.26.0
