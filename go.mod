module workbench

go 1.26
